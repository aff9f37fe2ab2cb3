pub mod bench;
pub mod bench_port;
pub mod demo;
pub mod demo_port;
pub mod mrz;
pub mod screen;
pub mod screen_eval;
pub mod server;
