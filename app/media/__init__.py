"""Media files kept outside the database: sound recordings and readings (``audio``)."""
