"""SmartCart machine-learning helpers used by the dbt Python models."""
