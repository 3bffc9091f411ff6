"""Generated protobuf package; see proto-events/README.md."""
