//! Misbehaviour on demand: the faults a request can meet before its route
//! ([`fault`]), rules that aim them at a path ([`rule`]), and the streamed
//! body of a huge answer ([`filler`]).

pub(crate) mod fault;
pub(crate) mod filler;
pub(crate) mod rule;
