"""Infrastructure the domain is wired to in server/bootstrap.py: Socket.IO rooms,
printers and the announcer's voice. Nothing here decides a queue rule."""
