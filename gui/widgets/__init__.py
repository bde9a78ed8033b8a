"""Small pieces every feature uses: a question before the irreversible, errors in words."""
