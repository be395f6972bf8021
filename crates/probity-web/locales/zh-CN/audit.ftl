# 审计页面。
audit-trail = 审计日志
audit-verified = 日志校验通过：已重新计算每个事件及其覆盖的每条记录的哈希，并核对了签名的链头。
audit-events = 事件
audit-records = 记录
audit-checkpoint-holds = 至所给检查点的历史未被改动
audit-unfit = 日志校验未通过：
audit-head = 待公布的链头
audit-head-hint = 请在系统之外公布此检查点；日后据此校验，可以证明此前的历史未被改写，即使改写者持有密钥。
audit-checkpoint = 此前公布的检查点
audit-verify = 据此校验
audit-latest = 最新事件
audit-at = 时间
audit-actor = 操作人
audit-action = 操作
audit-subject = 对象
audit-older = 更早的事件
