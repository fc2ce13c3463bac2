"""What the front-ends read: subjects, tracing, ownership, findings, statistics, analytics."""
