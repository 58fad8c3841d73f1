"""Statutory clocks: Operation Encompass school-day deadlines and MASH working-hour RAG clocks."""
