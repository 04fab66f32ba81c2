print("delivery-sim")
