# Cycles side by side: the selector of every staff page of a cycle, closing a cycle, and what
# the one-report-in-force, due-date and one-case-per-subject rules show.
cycle-choose = Reporting cycle
cycle-show = Show
cycle-closed = closed
cycle-open-now = open
cycles-heading = Reporting cycles
cycle-state = State
cycle-close = Close the cycle
cycle-close-explain = Once closed, the cycle takes annual reports only as late filings, marked as such; its progress, verification and statistics can still be worked. The log records the closing.
cycle-close-confirm = Close it
cycle-closed-done = The cycle is closed.
report-in-force-api = Report { $id } ({ $year }) is in force: file a correction that supersedes it instead of another report.
report-due = Report due
report-due-on = Due on
after-close = filed late, after the cycle closed
pending-verification = pending verification
pending-findings = undecided findings
finding-not-found = not found by the latest run
finding-on-report = On report
finding-no-report = no report (a change report due and not filed)
remind-initial = Initial report: due by { $deadline } (within the prescribed days of becoming a subject).
department-only = Opening and closing cycles, registry extracts, the sample and verification runs concern every unit: they are for an administrator of the whole department. This account manages some units only.
