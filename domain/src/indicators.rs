//! (stub) Regional indicators (九(四)): what each figure counts.
