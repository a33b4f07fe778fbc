//! The official holiday calendar (二(一)).
