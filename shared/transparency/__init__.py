"""A transparency log over the event log: an RFC 9162 Merkle tree and C2SP signed notes."""
