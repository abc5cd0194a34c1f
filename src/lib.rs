//! edgecc
