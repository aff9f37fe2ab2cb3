pub mod mrz;
