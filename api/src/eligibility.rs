//! Whether a provider may be matched with demand or awarded work on a date (九(三), 九(二)).
