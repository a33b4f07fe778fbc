//! Reads of delivered engagements for public disclosure and annual figures (二(三)).
