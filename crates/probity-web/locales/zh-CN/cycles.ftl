# Cycles side by side: the selector of every staff page of a cycle, closing a cycle, and what
# the one-report-in-force, due-date and one-case-per-subject rules show.
cycle-choose = 报告年度
cycle-show = 查看
cycle-closed = 已结束
cycle-open-now = 进行中
cycles-heading = 报告年度
cycle-state = 状态
cycle-close = 结束报告年度
cycle-close-explain = 结束后，该年度不再接受年度报告，只能作为逾期补报提交并标明；报告情况、核查和统计仍可继续办理。此操作记入审计日志。
cycle-close-confirm = 确认结束
cycle-closed-done = 报告年度已结束。
report-in-force-api = 报告 { $id }（{ $year } 年度）已生效：请提交更正该报告的更正报告，而不是另一份报告。
report-due = 应报报告
report-due-on = 截止日期
after-close = 年度结束后补报
pending-verification = 待核查
pending-findings = 未认定的问题
finding-not-found = 最近一次核查未再发现
finding-on-report = 所在报告
finding-no-report = 无报告（应报未报的变化报告）
remind-initial = 首次报告：应于 { $deadline } 前填报（成为报告对象后按规定期限内填报）。
department-only = 开启和关闭填报周期、上传登记机关数据、抽查和核查运行涉及全部单位，须由负责全部单位的管理员操作。本账户只管理部分单位。
