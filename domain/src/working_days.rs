//! Working days: weekends and official holidays skipped, make-up working days counted (二(一)).
