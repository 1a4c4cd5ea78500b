"""The monitoring app's logic: conditions, transports, and the engine that joins them."""
