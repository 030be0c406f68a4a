"""Reports built from the books: tax forms now; metrics and HTML later. No file or network I/O."""
