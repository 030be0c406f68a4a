"""Built-in Models and the Model protocol they follow."""
