"""Logistics and engineering: stock, custody, requests and deliveries, work orders."""
