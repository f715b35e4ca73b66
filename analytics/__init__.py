"""Manager analytics: conversation metrics, emerging topics, service-level KPIs and Erlang C staffing."""
