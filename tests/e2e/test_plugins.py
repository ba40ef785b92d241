import ndtest
if __name__ == "__main__":
    ndtest.main()
