enum _PlaceholderAragoraStore {}
