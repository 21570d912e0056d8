"""The demo data set (``demo_seed``) and the scale-data generator (``scale_data_generate``): data for trying the
product by hand, for the browser tests and for the benchmarks. Nothing in production imports it."""
