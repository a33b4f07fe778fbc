//! Demands and bids (九(三)).
