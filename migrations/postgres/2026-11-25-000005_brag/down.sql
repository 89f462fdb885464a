DROP TABLE brag_overrides;
