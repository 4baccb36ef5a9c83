"""Small pieces shared by every domain: errors, text, forms, pagination."""
