# Names of landmarks, captions and status pages (accessibility).
nav-main = Main
my-reports-caption = Reports you have filed (newest first)
progress-by-unit = Standing by unit
progress-people = Reporting subjects
status-400 = Bad request
status-403 = Not allowed
status-404 = Not found
status-500 = Something went wrong
internal-error = Something went wrong on our side; it has been logged. Please try again later.
kind-annual = Annual report
kind-change = Change report
kind-initial = Initial report
