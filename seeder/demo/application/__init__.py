"""Application layer: the service's commands, their handlers, and the read side."""
