"""Generated protobuf contracts."""
