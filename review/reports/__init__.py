"""What staff read: queue and document queries, search, audit, the informe, exports and the expediente ARCO."""
