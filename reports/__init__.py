"""Reading the stored conversations for the clinic's staff: the report and conversation tests."""
