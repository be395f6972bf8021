# Names of landmarks, captions and status pages (accessibility).
nav-main = 主导航
my-reports-caption = 我提交的报告（最新的在前）
progress-by-unit = 各单位报告情况
progress-people = 报告对象
status-400 = 请求有误
status-403 = 无权访问
status-404 = 未找到
status-500 = 系统错误
internal-error = 系统出现错误，请稍后再试；问题已记录。
kind-annual = 年度报告
kind-change = 变化报告
kind-initial = 首次报告
