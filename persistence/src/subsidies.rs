//! Subsidy programmes and applications (九(三)).
