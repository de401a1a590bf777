"""The soak: Coffer's production-shaped stack under concurrent clients while its
worker, web server and S3 server are SIGKILLed at random. `make soak`; see
docs/rotation.md, "Soak"."""
