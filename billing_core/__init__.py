"""The billing engine: money, requisites, tariffs, charges, penalties, allocation.

Pure Python where the logic allows; it imports nothing from the rest of the project.
"""
