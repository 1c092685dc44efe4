"""The roster workbook (网格责任清单.xlsx): a school's places, people, posts, classes, grids and time
slots in one Excel file, imported (all or nothing, as a reviewed list of differences) and exported.

schema   sheets, columns, labels and the names the import gives the grids it builds
reader   the workbook's cells → a validated target state of the school (every error located)
plan     target state vs. the database → the list of differences, each applied through actions
apply    runs a plan in one transaction, with progress, and records the summary audit event
bulk     new objects of one kind made together: the same checks and audit events, few queries
writer   the school → a workbook that imports back to the same state; the blank template
jobs     uploads checked and applied in the background (RosterImport rows)
examples the shipped template and example workbooks (static/roster/)
"""
