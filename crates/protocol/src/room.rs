//! Room presence protocol v1 (browser <-> server, JSON over WebSocket).
