def main_entry(): pass
