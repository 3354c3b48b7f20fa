"""Display blueprint: the call board (``/display/board``) and counter screens (``/display/counter/<n>``),
with the board's in-page announcement queue (chime + Vietnamese voice, one at a time)."""
