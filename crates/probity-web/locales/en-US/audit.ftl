# The auditor's page.
audit-trail = Audit trail
audit-verified = The log verifies: every event and every record it covers re-hashed, the signed head checked.
audit-events = events
audit-records = records
audit-checkpoint-holds = the log up to the checkpoint given is unchanged
audit-unfit = The log does not verify:
audit-head = The head to publish
audit-head-hint = Publish this checkpoint outside the system; verifying against it later proves the history up to it was not rewritten, even by someone who holds the keys.
audit-checkpoint = A checkpoint published earlier
audit-verify = Verify against it
audit-latest = Latest events
audit-at = When
audit-actor = Who
audit-action = Action
audit-subject = On
audit-older = Older events
