"""Rasa input channels of the ICP filing assistant.

- ``channels.socketio.OriginCheckedSocketIOInput``: Rasa's socket.io channel, restricted to the
  origins that may embed the chat widget, with working session persistence.
- ``channels.webpage.WebPageInput``: serves the support page (``web/``), its chat and the
  socket.io client from the Rasa server itself, so the page and the socket share one origin.

Both are configured in ``credentials.yml`` by their module path.
"""
