"""Rasa stores of the production profile (deploy/endpoints.cluster.yml)."""
