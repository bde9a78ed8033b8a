"""What the tests share: loopback servers, a dictionary secret store."""
