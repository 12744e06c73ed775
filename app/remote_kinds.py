"""The kinds of job that talk to other servers (here, so that services can name them without the client)."""
SYNC = "sync"
