"""Services: plain functions over a database session, named for what they answer."""
