"""信用长三角 linkage: what this province publishes to its Delta partners, and how it
reads theirs. The contract is graph/linkage/PROTOCOL.md."""
