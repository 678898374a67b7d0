"""Running notebooks and publishing their outputs: plan, pool, execute, pages, combined outputs,
workbook, index page, PDFs, manifest, goldens.
Never imports the engine or the reports: workers import batch.execute, which must stay cheap.
"""
