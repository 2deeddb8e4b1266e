prod_queue_id = "0d9c1b54-7a3e-4f0e-9d2a-5b6c7d8e9f01"

targets = {
  qa = { queue_id = "1a2b3c4d-0000-4000-8000-000000000001" }
  dr = { queue_id = "1a2b3c4d-0000-4000-8000-000000000002" }
}
