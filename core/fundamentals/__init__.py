"""The foundations pages' engine: McCulloch-Pitts neurons and the perceptron, activation functions, gradient descent."""
