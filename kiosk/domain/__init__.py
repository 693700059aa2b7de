"""Pure domain logic: no Qt, no I/O, no clocks. Time is passed in."""
